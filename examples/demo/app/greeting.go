package main

// Version is the release the demo's pushes step through.
const Version = "v1"

// Greeting is what / answers.
func Greeting(name string) (string, error) {
	if name == "" {
		name = "world"
	}
	return "Hello, " + name + "! (demoapp " + Version + ")", nil
}
