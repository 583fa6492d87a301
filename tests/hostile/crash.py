"""Ways to hang, exhaust or kill the child process."""

import os
import sys
import time

import numpy as np


def ok():
    return 1


def loop():
    while True:
        pass


def sleep():
    time.sleep(100)


def memory_bomb():
    return len(bytearray(1 << 40))


def memory_growth():
    hoard = []
    while True:
        hoard.append(bytearray(50 << 20))


def numpy_bomb():
    return float(np.ones((1 << 16, 1 << 16)).sum())


def sys_exit():
    sys.exit(3)


def os_exit():
    os._exit(4)


def segfault():
    import faulthandler

    faulthandler._read_null()  # a real invalid access: a raised SIGSEGV is ignored by PID 1


def recurse(n=0):
    return recurse(n + 1) + 1


def recurse_through_c(n=0):
    return sorted([0, 1], key=lambda x: recurse_through_c(n + 1))


def big_output():
    sys.stdout.write("x" * 100_000_000)
    return 1


def many_prints():
    for _ in range(1_000_000):
        print("y" * 99)
    return 1


def stderr_and_stdout():
    print("to stdout")
    print("to stderr", file=sys.stderr)
    return 1
