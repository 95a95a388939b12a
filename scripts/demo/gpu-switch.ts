/**
 * The demo's "GPU box": a TCP front on a fixed loopback port, passing connections to the
 * fake Ollama, refusing them (the port is closed: ECONNREFUSED, as when the box is off), or
 * accepting them and never answering (a wedged GPU). Below HTTP on purpose: the Worker sees
 * exactly what a dead or hung machine looks like on the wire.
 */
import net from "node:net";

type GpuMode = "up" | "off" | "hang";

interface HungConnection {
  openedAt: number;
  /** When the client (the router) gave up and closed it; undefined while still open. */
  closedAt?: number;
}

export interface GpuSwitch {
  url: string;
  mode(): GpuMode;
  set(mode: GpuMode): Promise<void>;
  /** Connections accepted while hanging, with when the router hung up. */
  hung(): readonly HungConnection[];
  close(): Promise<void>;
}

export async function startGpuSwitch(target: string): Promise<GpuSwitch> {
  const { hostname, port: targetPort } = new URL(target);
  const sockets = new Set<net.Socket>();
  const hung: HungConnection[] = [];
  let mode: GpuMode = "up";
  let server: net.Server | undefined;

  const onConnection = (client: net.Socket) => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    client.on("error", () => client.destroy());
    if (mode === "hang") {
      const record: HungConnection = { openedAt: Date.now() };
      hung.push(record);
      // Read and drop the request so the client's write completes, then say nothing.
      client.on("data", () => {});
      client.on("close", () => (record.closedAt = Date.now()));
      return;
    }
    const upstream = net.connect(Number(targetPort), hostname);
    sockets.add(upstream);
    upstream.on("close", () => sockets.delete(upstream));
    upstream.on("error", () => client.destroy());
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
    client.pipe(upstream).pipe(client);
  };

  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const s = net.createServer(onConnection);
      s.once("error", reject);
      s.listen(port, "127.0.0.1", () => {
        server = s;
        resolve((s.address() as net.AddressInfo).port);
      });
    });

  const stopListening = () =>
    new Promise<void>((resolve) => {
      const s = server;
      server = undefined;
      for (const sock of sockets) sock.destroy();
      if (!s) return resolve();
      s.close(() => resolve());
    });

  const port = await listen(0);

  return {
    url: `http://127.0.0.1:${port}`,
    mode: () => mode,
    async set(next) {
      // Every change drops open connections: a pooled keep-alive socket must not outlive the old mode.
      await stopListening();
      mode = next;
      if (next !== "off") await listen(port);
    },
    hung: () => hung,
    close: stopListening,
  };
}
