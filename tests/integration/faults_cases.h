/*
 * tests/integration/faults_cases.h - the fault cases that live outside
 * test_faults.c, for its main(): cmocka test functions, each run with
 * fu_teardown() (faults_util.h). See test_faults.c for what each checks.
 *
 * Concurrency: the test's thread only.
 */
#ifndef MEEPO_TEST_FAULTS_CASES_H
#define MEEPO_TEST_FAULTS_CASES_H

/* faults_source.c: the source server restarted, hung, or its binlog purged. */
void test_source_outage(void **state);
void test_heartbeat(void **state);
void test_purged_binlog(void **state);

/* faults_input.c: rejected batches, bad configurations, damaged binlogs. */
void test_poison_deadletter(void **state);
void test_poison_stop(void **state);
void test_bad_configs(void **state);
void test_bad_binlogs(void **state);

#endif /* MEEPO_TEST_FAULTS_CASES_H */
