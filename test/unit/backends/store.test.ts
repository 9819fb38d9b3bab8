import * as assert from 'assert';
import { ChangeHub, SafetyPoll, type Change } from '../../../src/backends/store';

const turn = () => new Promise((r) => setImmediate(r));

describe('backends/store: the refresh-model helpers', () => {
  it('a hub with nothing marked delivers nothing', async () => {
    const hub = new ChangeHub();
    const seen: Change[] = [];
    hub.onChange((c) => seen.push(c));
    await turn();
    await turn();
    hub.flush();
    assert.deepStrictEqual(seen, []);
    assert.strictEqual(hub.delivered, 0);
  });

  it('a burst in one turn is one change with each id once', async () => {
    const hub = new ChangeHub();
    const seen: Change[] = [];
    hub.onChange((c) => seen.push(c));
    for (let i = 0; i < 100; i++) hub.mark(`vm${i % 3}`);
    hub.markStatus();
    await turn();
    assert.strictEqual(seen.length, 1);
    assert.deepStrictEqual([...(seen[0]!.ids as string[])].sort(), ['vm0', 'vm1', 'vm2']);
    assert.strictEqual(seen[0]!.status, true);
    // The next turn starts a new change.
    hub.mark('vm1');
    await turn();
    assert.deepStrictEqual(seen[1], { ids: ['vm1'] });
  });

  it('markAll wins over ids; a failing listener does not stop the others', async () => {
    const errors: unknown[] = [];
    const hub = new ChangeHub((e) => errors.push(e));
    const seen: Change[] = [];
    hub.onChange(() => {
      throw new Error('listener bug');
    });
    const off = hub.onChange((c) => seen.push(c));
    hub.mark('a');
    hub.markAll();
    await turn();
    assert.deepStrictEqual(seen, [{ ids: 'all' }]);
    assert.strictEqual(errors.length, 1);
    off();
    hub.mark('b');
    await turn();
    assert.strictEqual(seen.length, 1, 'unsubscribed');
  });

  it('a safety poll holds no timer while hidden and runs only while visible', async () => {
    let runs = 0;
    const poll = new SafetyPoll(5, async () => {
      runs++;
    });
    assert.strictEqual(poll.timerCount, 0);
    await new Promise((r) => setTimeout(r, 30));
    assert.strictEqual(runs, 0, 'ran while never shown');
    poll.setVisible(true);
    assert.strictEqual(poll.timerCount, 1);
    // Liveness bound only: on a busy machine 5 ms timers may come late.
    for (let t0 = Date.now(); runs < 2 && Date.now() - t0 < 10_000;)
      await new Promise((r) => setTimeout(r, 5));
    assert.ok(runs >= 2, `ran ${runs} times`);
    poll.setVisible(false);
    assert.strictEqual(poll.timerCount, 0);
    const at = runs;
    await new Promise((r) => setTimeout(r, 30));
    assert.ok(runs <= at + 1, 'kept running while hidden');
    poll.dispose();
  });

  it('a safety poll restarted while it runs still holds one timer', async () => {
    let release: () => void = () => undefined;
    let runs = 0;
    const poll = new SafetyPoll(1, () => {
      runs++;
      return new Promise<void>((r) => (release = r));
    });
    poll.setVisible(true);
    for (let t0 = Date.now(); runs < 1 && Date.now() - t0 < 10_000;)
      await new Promise((r) => setTimeout(r, 5));
    assert.strictEqual(runs, 1);
    poll.restart();
    poll.restart();
    assert.strictEqual(poll.timerCount, 0, 'a run is in flight: the next waits for it');
    release();
    await turn();
    assert.strictEqual(poll.timerCount, 1);
    poll.dispose();
    assert.strictEqual(poll.timerCount, 0);
  });
});
