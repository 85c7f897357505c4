#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""An asyncio TCP echo server on selectors.EpollSelector (data = the fd),
for the portsnoop tests.

  asyncio_echo.py PORT_FILE [CONNS]

Listens on 127.0.0.1 (ephemeral port), writes "PORT LISTEN_FD" to PORT_FILE
(through a rename, so a reader never sees half of it), echoes, and exits once
CONNS connections (default 1) have reached EOF."""
import asyncio
import os
import selectors
import sys


async def main(port_file, conns):
    done = asyncio.Event()
    left = [conns]

    async def handle(reader, writer):
        while True:
            data = await reader.read(4096)
            if not data:
                break
            writer.write(data)
            await writer.drain()
        writer.close()
        await writer.wait_closed()
        left[0] -= 1
        if left[0] == 0:
            done.set()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    sock = server.sockets[0]
    tmp = port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(f"{sock.getsockname()[1]} {sock.fileno()}\n")
    os.rename(tmp, port_file)
    await done.wait()
    server.close()


if __name__ == "__main__":
    loop = asyncio.SelectorEventLoop(selectors.EpollSelector())
    asyncio.set_event_loop(loop)
    loop.run_until_complete(main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1))
    loop.close()
