/*
 * core/main.c - the meepo command line.
 *
 * Concurrency: main thread only; see run.h for what each mode does.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"
#include "snapshot.h"

static const char usage[] =
	"usage: meepo [options]\n"
	"\n"
	"Follow a MySQL/MariaDB row-based binlog and deliver one event per changed\n"
	"row to the sinks that conf.d routes each table to.\n"
	"\n"
	"  -c, --config PATH     configuration file or directory of *.conf files\n"
	"                        (default /etc/meepo/conf.d)\n"
	"  -t, --check           validate the configuration, load every plugin, let\n"
	"                        each check its options, print what would run; exit\n"
	"                        0 if valid, 1 if not (connects to nothing)\n"
	"      --binlog FILE...  read these binlog files from their start instead of\n"
	"                        a server (every non-option argument is a file); the\n"
	"                        source section is then optional and no checkpoint\n"
	"                        is written\n"
	"      --snapshot SINK   copy the current rows of every table routed to sink\n"
	"                        SINK into it, consistently with a binlog position,\n"
	"                        write the checkpoint there (if none exists) and\n"
	"                        exit 0 (1 on error): the initial copy of a replica\n"
	"      --exit-at-end     stop once the source has nothing more to read and\n"
	"                        every sink has acknowledged everything; exit 0\n"
	"      --plugin-dir DIR  load sink plugins (meepo-sink-NAME.so) from DIR\n"
	"      --help-sink NAME  print the options of sink plugin NAME\n"
	"  -v, --verbose         log debug messages\n"
	"  -q, --quiet           log warnings and errors only\n"
	"  -V, --version         print the version\n"
	"  -h, --help            print this help\n"
	"\n"
	"SIGINT/SIGTERM stop reading, drain the sink queues, write the checkpoint\n"
	"and exit 0. SIGHUP reloads the configuration without losing the position.\n"
	"See docs/ and meepo(8).\n";

int main(int argc, char **argv)
{
	enum { OPT_BINLOG = 256, OPT_EXIT_AT_END, OPT_PLUGIN_DIR, OPT_HELP_SINK, OPT_SNAPSHOT };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 't' },
		{ "binlog", no_argument, NULL, OPT_BINLOG },
		{ "exit-at-end", no_argument, NULL, OPT_EXIT_AT_END },
		{ "plugin-dir", required_argument, NULL, OPT_PLUGIN_DIR },
		{ "help-sink", required_argument, NULL, OPT_HELP_SINK },
		{ "snapshot", required_argument, NULL, OPT_SNAPSHOT },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct run_options opts = { .config_path = "/etc/meepo/conf.d" };
	const char *help_sink = NULL;
	const char *snapshot = NULL;
	bool check = false;
	bool binlog = false;
	int c;

	/* Options may follow the files: getopt moves the files to the end. */
	while ((c = getopt_long(argc, argv, "c:tvqVh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			opts.config_path = optarg;
			break;
		case 't':
			check = true;
			break;
		case OPT_BINLOG:
			binlog = true;
			break;
		case OPT_EXIT_AT_END:
			opts.exit_at_end = true;
			break;
		case OPT_PLUGIN_DIR:
			opts.plugin_dir = optarg;
			break;
		case OPT_HELP_SINK:
			help_sink = optarg;
			break;
		case OPT_SNAPSHOT:
			snapshot = optarg;
			break;
		case 'v':
			opts.verbosity = 1;
			break;
		case 'q':
			opts.verbosity = -1;
			break;
		case 'V':
			printf("meepo %s\n", MEEPO_VERSION);
			return 0;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (binlog) {
		if (optind == argc) {
			fprintf(stderr, "meepo: --binlog needs at least one file\n");
			return 2;
		}
		opts.binlogs = argv + optind;
		opts.nbinlogs = (size_t)(argc - optind);
	} else if (optind < argc) {
		fprintf(stderr, "meepo: unexpected argument '%s' (see --help)\n", argv[optind]);
		return 2;
	}
	if (help_sink != NULL) {
		return run_help_sink(&opts, help_sink);
	}
	if (check) {
		return run_check(&opts);
	}
	if (snapshot != NULL) {
		if (binlog) {
			fprintf(stderr, "meepo: --snapshot reads the source server, not --binlog files\n");
			return 2;
		}
		return run_snapshot(&opts, snapshot);
	}
	return run_follow(&opts);
}
