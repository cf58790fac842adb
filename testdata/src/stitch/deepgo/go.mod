module deepgo

go 1.19
