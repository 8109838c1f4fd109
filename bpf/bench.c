// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's benchmarks, one C file each (agent.h `struct bench`); agent.c dispatches on the name it
 * receives with --bench. A new benchmark is one file exporting its `struct bench` and one line here.
 * The options' vals must be distinct across the table and from agent.c's common ones.
 */
#include "agent.h"

const struct bench *const bench_table[] = {&bench_test_run, &bench_traffic, &bench_strategies, NULL};
