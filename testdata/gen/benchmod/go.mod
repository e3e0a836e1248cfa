module benchmod

go 1.19
