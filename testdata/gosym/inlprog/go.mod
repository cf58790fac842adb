module inlprog

go 1.19
