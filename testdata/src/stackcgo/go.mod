module stackcgo

go 1.19
