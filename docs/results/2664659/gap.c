#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <time.h>
static double secs;
static uint64_t now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000ull + t.tv_nsec;
}
static void *run(void *a)
{
	long cpu = (long)a;
	cpu_set_t s;
	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	pthread_setaffinity_np(pthread_self(), sizeof s, &s);
	uint64_t t0 = now(), last = t0, end = t0 + (uint64_t)(secs * 1e9);
	unsigned n1 = 0, n5 = 0;
	uint64_t sum = 0, mx = 0;
	while (last < end) {
		uint64_t t = now();
		uint64_t g = t - last;
		if (g >= 100000) {
			if (g >= 1000000)
				n1++;
			if (g >= 500000)
				n5++;
			sum += g;
			if (g > mx)
				mx = g;
		}
		last = t;
	}
	printf("cpu%ld: gaps>=0.5ms %u, >=1ms %u, total(>=0.1ms) %.1f ms, max %.2f ms\n", cpu, n5,
	       n1, sum / 1e6, mx / 1e6);
	return 0;
}
int main(int c, char **v)
{
	secs = c > 1 ? atof(v[1]) : 10;
	pthread_t t[2];
	for (long i = 0; i < 2; i++)
		pthread_create(&t[i], 0, run, (void *)i);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], 0);
}
