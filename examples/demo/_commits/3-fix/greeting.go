package main

import "errors"

// Version is the release the demo's pushes step through.
const Version = "v3"

// names holds configurable names; "default" greets anonymous visitors.
var names = map[string]string{"default": "world", "team": "skiff crew"}

// Greeting is what / answers.
func Greeting(name string) (string, error) {
	if name == "" {
		n, ok := names["default"]
		if !ok {
			return "", errors.New("no default name configured")
		}
		name = n
	}
	if n, ok := names[name]; ok {
		name = n
	}
	return "Hello, " + name + "! (demoapp " + Version + ")", nil
}
