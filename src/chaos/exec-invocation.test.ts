import { describe, expect, it } from 'vitest';
import { buildInvocation, defaultZxCli, lastLines } from './exec-invocation.js';

describe('exec invocation', () => {
  it('runs an argv array without a shell, resolving cwd against the scenario folder', () => {
    const inv = buildInvocation({ command: ['kubectl', 'delete', 'ns', 'my shop'], cwd: 'sub' }, '/scen');
    expect(inv).toEqual({ file: 'kubectl', args: ['delete', 'ns', 'my shop'], shell: false, cwd: '/scen/sub', display: "kubectl delete ns 'my shop'" });
  });

  it('runs a string only with shell: true', () => {
    expect(buildInvocation({ command: 'kubectl get ns | wc -l', shell: true }, '/scen')).toMatchObject({ file: 'kubectl get ns | wc -l', shell: true, cwd: '/scen' });
    expect(() => buildInvocation({ command: 'kubectl get ns' }, '/scen')).toThrow('a string command needs shell: true');
    expect(() => buildInvocation({ command: ['a'], shell: true }, '/scen')).toThrow('shell: true takes a string command');
  });

  it('runs a zx script with the current node and kdrill\'s zx', () => {
    const inv = buildInvocation({ script: 'chaos/break.mjs', args: ['--fast'] }, '/scen', '/zx/cli.js');
    expect(inv).toMatchObject({ file: process.execPath, args: ['/zx/cli.js', '/scen/chaos/break.mjs', '--fast'], display: 'zx chaos/break.mjs --fast' });
    expect(defaultZxCli()).toMatch(/node_modules\/zx\/build\/cli\.js$/);
  });

  it('wants exactly one of command and script', () => {
    expect(() => buildInvocation({}, '/s')).toThrow('set exactly one of command and script');
    expect(() => buildInvocation({ command: ['a'], script: 'b.mjs' }, '/s')).toThrow('set exactly one of command and script');
    expect(() => buildInvocation({ command: ['a'], args: ['x'] }, '/s')).toThrow('args only apply to script');
  });

  it('keeps the last non-empty lines', () => {
    expect(lastLines('a\nb\n\nc\n', 2)).toEqual(['b', 'c']);
  });
});
