module sysflame.test/recmod

go 1.19
