module stackprobe

go 1.19
