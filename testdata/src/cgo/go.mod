module cgodemo

go 1.19
