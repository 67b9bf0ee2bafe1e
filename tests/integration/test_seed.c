/* tests/integration/test_seed.c - the seed-examples acceptance test (being written). */
#include <stdio.h>

int main(void)
{
	fputs("test_seed: not written yet\n", stderr);
	return 1;
}
