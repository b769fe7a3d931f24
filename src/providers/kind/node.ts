import { setTimeout as sleep } from 'node:timers/promises';
import { KdrillError } from '../../core/errors.js';
import { runCommand, tryCommand } from '../command.js';
import { catEtcdManifest, crictlExec, crictlIds, dockerCopyIn, dockerCopyOut, dockerExec, moveManifest, writeEtcdManifest, type StaticPod } from './commands.js';
import { parseEtcdManifest, type EtcdManifest } from './etcd-manifest.js';

/** One kind node container, driven through the docker CLI and the node's own crictl. */
export class KindNode {
  constructor(readonly container: string) {}

  /** Run argv inside the node; stdout on success, E_COMMAND with argv and stderr otherwise. */
  async exec(argv: readonly string[], options: { input?: string; timeoutMs?: number } = {}): Promise<string> {
    const command = dockerExec(this.container, argv, { stdin: options.input !== undefined });
    const { stdout } = await runCommand(command, { ...options, hint: `is the kind node ${this.container} running? (docker ps)` });
    return stdout;
  }

  async tryExec(argv: readonly string[]): Promise<boolean> {
    return (await tryCommand(dockerExec(this.container, argv), { timeoutMs: 60_000 })).ok;
  }

  async copyIn(hostPath: string, nodePath: string): Promise<void> {
    await runCommand(dockerCopyIn(hostPath, this.container, nodePath), { timeoutMs: 600_000 });
  }

  async copyOut(nodePath: string, hostPath: string): Promise<void> {
    await runCommand(dockerCopyOut(this.container, nodePath, hostPath), { timeoutMs: 600_000 });
  }

  /** Ids of the running containers of a static pod. */
  async containerIds(pod: StaticPod): Promise<string[]> {
    return (await this.exec(crictlIds(pod))).split('\n').map((l) => l.trim()).filter((l) => l !== '');
  }

  /** Run argv inside the running container of a static pod (crictl exec: works while the apiserver is down). */
  async execIn(pod: StaticPod, argv: readonly string[], timeoutMs = 600_000): Promise<string> {
    const [id] = await this.containerIds(pod);
    if (!id) throw new KdrillError('E_CLUSTER_NOT_FOUND', `no running ${pod} container on ${this.container}`, { hint: `start ${pod} first` });
    return this.exec(crictlExec(id, argv), { timeoutMs });
  }

  async moveManifest(pod: StaticPod, to: 'stopped' | 'running'): Promise<void> {
    await this.exec(moveManifest(pod, to));
  }

  /** Poll until the static pod has (or has no) running container, other than `not` when given. */
  async waitContainer(pod: StaticPod, running: boolean, timeoutMs: number, not?: string): Promise<string | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const ids = (await this.containerIds(pod).catch(() => [] as string[])).filter((id) => id !== not);
      if (running && ids[0]) return ids[0];
      if (!running && ids.length === 0) return undefined;
      await sleep(1_000);
    }
    throw new KdrillError('E_TIMEOUT', `${pod} on ${this.container} did not ${running ? 'start' : 'stop'} within ${timeoutMs / 1000}s`, {
      hint: `inspect the kubelet: docker exec ${this.container} journalctl -u kubelet --no-pager | tail -50`,
    });
  }

  async readEtcdManifest(): Promise<{ text: string; manifest: EtcdManifest }> {
    const text = await this.exec(catEtcdManifest());
    return { text, manifest: parseEtcdManifest(text) };
  }

  async writeEtcdManifest(text: string): Promise<void> {
    await this.exec(writeEtcdManifest(), { input: text });
  }
}
