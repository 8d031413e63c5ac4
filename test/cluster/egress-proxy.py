#!/usr/bin/python3
"""The test cluster's egress to its simulated pods: an HTTP CONNECT proxy on a Unix socket.

kube-apiserver sends every connection it makes "into the cluster" (admission webhooks addressed
by a Service, the kubelet API) through the proxy that its egress selector names
(--egress-selector-config-file, selection "cluster"), as it would through konnectivity in a real
cluster. With --enable-aggregator-routing it resolves a webhook's Service to an endpoint of its
EndpointSlices: the simulated pod's IP (given by kwok) and the container port. Nothing listens on
those IPs here, so this proxy decides where each connection goes:

  - a pod address that a local stand-in registered (ROUTES_DIR/<owner>, lines "POD_IP:PORT
    127.0.0.1:LOCAL_PORT"; scripts/run-istiod.py registers the istiod of a revision this way)
    goes to the local process;
  - a loopback address (kwok's kubelet endpoint on 127.0.0.1) is dialled as it is;
  - anything else is refused (502) and logged, so no connection ever leaves this machine.

usage: egress-proxy.py SOCKET ROUTES_DIR
"""
import asyncio
import ipaddress
import os
import sys
import time


def log(msg):
    print(f"[egress {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def routes(routes_dir):
    """Every registered "ip:port" -> "127.0.0.1:port", read afresh for each connection (the
    files change while the cluster runs, and a connection per admission call is cheap)."""
    table = {}
    try:
        names = os.listdir(routes_dir)
    except FileNotFoundError:
        return table
    for name in names:
        try:
            with open(os.path.join(routes_dir, name)) as f:
                for line in f:
                    parts = line.split()
                    if len(parts) == 2:
                        table[parts[0]] = parts[1]
        except FileNotFoundError:
            pass  # removed by its owner while we listed
    return table


def split_host_port(target):
    host, _, port = target.rpartition(":")
    return host.strip("[]"), int(port)


async def pipe(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        try:
            writer.close()
        except Exception:
            pass


async def handle(client_reader, client_writer, routes_dir):
    try:
        head = await asyncio.wait_for(client_reader.readuntil(b"\r\n\r\n"), 10)
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError):
        client_writer.close()
        return
    request = head.split(b"\r\n", 1)[0].decode("latin-1").split()
    if len(request) != 3 or request[0] != "CONNECT":
        client_writer.write(b"HTTP/1.1 405 Method Not Allowed\r\n\r\n")
        client_writer.close()
        return
    target = request[1]
    dest = routes(routes_dir).get(target)
    if dest is None:
        try:
            host, _ = split_host_port(target)
            if ipaddress.ip_address(host).is_loopback:
                dest = target
        except ValueError:
            pass
    if dest is None:
        log(f"refused CONNECT {target}: no local process registered for it (nothing leaves this machine)")
        client_writer.write(b"HTTP/1.1 502 Bad Gateway\r\n\r\n")
        client_writer.close()
        return
    try:
        host, port = split_host_port(dest)
        up_reader, up_writer = await asyncio.wait_for(asyncio.open_connection(host, port), 5)
    except (OSError, asyncio.TimeoutError) as e:
        log(f"CONNECT {target} -> {dest} failed: {e}")
        client_writer.write(b"HTTP/1.1 503 Service Unavailable\r\n\r\n")
        client_writer.close()
        return
    if dest != target:
        log(f"CONNECT {target} -> {dest}")
    client_writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
    await client_writer.drain()
    await asyncio.gather(pipe(client_reader, up_writer), pipe(up_reader, client_writer))


async def main(socket_path, routes_dir):
    os.makedirs(routes_dir, exist_ok=True)
    if os.path.exists(socket_path):
        os.unlink(socket_path)
    server = await asyncio.start_unix_server(lambda r, w: handle(r, w, routes_dir), path=socket_path)
    log(f"listening on {socket_path}; routes in {routes_dir}")
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: egress-proxy.py SOCKET ROUTES_DIR")
    try:
        asyncio.run(main(sys.argv[1], sys.argv[2]))
    except KeyboardInterrupt:
        pass
