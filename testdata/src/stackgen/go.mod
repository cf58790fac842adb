module stackgen

go 1.22
