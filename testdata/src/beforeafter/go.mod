module beforeafter

go 1.19
