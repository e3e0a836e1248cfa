module heapdiff/testdata/gen

go 1.19
