/**
 * Pod IPs on loopback: 127.0.1.1 - 127.0.1.254 (every 127.0.0.0/8 address is local on Linux), one per running
 * Pod, so two Pods can listen on the same containerPort. Released when the Pod terminates.
 */
export class IpPool {
  private readonly used = new Set<number>();
  private next = 1;

  constructor(private readonly prefix = '127.0.1.') {
    if (!/^127\.\d{1,3}\.\d{1,3}\.$/.test(prefix)) throw new Error(`pod IP prefix must look like 127.x.y., got "${prefix}"`);
  }

  /** Allocates the next free address (round robin, so a released address is not handed out again at once). */
  allocate(): string {
    for (let i = 0; i < 254; i++) {
      const host = ((this.next - 1 + i) % 254) + 1;
      if (!this.used.has(host)) {
        this.used.add(host);
        this.next = (host % 254) + 1;
        return `${this.prefix}${host}`;
      }
    }
    throw new Error(`no free pod IP left in ${this.prefix}0/24`);
  }

  release(ip: string): void {
    if (ip.startsWith(this.prefix)) this.used.delete(Number(ip.slice(this.prefix.length)));
  }
}
