package main

import "errors"

// Version is the release the demo's pushes step through.
const Version = "v2"

// names holds configurable names; "default" greets anonymous visitors.
var names = map[string]string{"default": "world", "team": "skiff crew"}

// Greeting is what / answers. v2 looks names up in a table — and has a
// typo in the default's key that the unit tests do not catch: every
// anonymous request fails.
func Greeting(name string) (string, error) {
	if name == "" {
		n, ok := names["defualt"]
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
