//go:build !linux

package codecommit

import "syscall"

func setDeathSignal(*syscall.SysProcAttr) {}
