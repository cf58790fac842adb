module sysflame.bench/workload

go 1.19
