module example.com/demoapp

go 1.22
