# Pseudo-terminal for a lin app's console Serial (lin serial.c opens a tty by path).
# Opens a pty, points argv[1] (a symlink) at its slave, prints "pty <slave>" and then
# copies stdin to the master and the master to stdout, unbuffered, until stdin closes.
import os, pty, select, sys, tty

master, slave = pty.openpty()
tty.setraw(master)
name = os.ttyname(slave)
link = sys.argv[1]
if os.path.lexists(link):
    os.unlink(link)
os.symlink(name, link)
sys.stdout.write("pty " + name + "\n")
sys.stdout.flush()
out = sys.stdout.fileno()
inp = sys.stdin.fileno()
while True:
    r, _, _ = select.select([master, inp], [], [])
    if inp in r:
        data = os.read(inp, 4096)
        if not data:
            break
        os.write(master, data)
    if master in r:
        try:
            data = os.read(master, 4096)
        except OSError:
            continue
        os.write(out, data)
