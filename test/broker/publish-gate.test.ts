import { describe, expect, test } from 'vitest'
import { PublishGate, type OverloadTransition, type PublishGateStats } from '../../broker/publish-gate.js'

/** A gate on a hand-driven clock; `order` records which uplinks were let in, in order. */
function gate(limit: number, quietMs = 100) {
  let nowMs = 0
  const order: string[] = []
  const transitions: Array<[OverloadTransition, PublishGateStats]> = []
  const g = new PublishGate({ limit, quietMs, now: () => nowMs, onTransition: (t, s) => transitions.push([t, s]) })
  const packets = new Map<string, object>()
  const admit = (name: string, owner: object): void => {
    const p = { name }
    packets.set(name, p)
    g.admit(p, owner, () => order.push(name))
  }
  const finish = (name: string): void => g.finish(packets.get(name) as object)
  const advance = (ms: number): void => {
    nowMs += ms
  }
  return { g, order, transitions, admit, finish, advance }
}

const deviceA = { id: 'A' }
const deviceB = { id: 'B' }

describe('PublishGate', () => {
  test('lets uplinks straight in while there is room', () => {
    const t = gate(2)
    t.admit('a1', deviceA)
    t.admit('b1', deviceB)
    expect(t.order).toEqual(['a1', 'b1'])
    expect(t.g.stats()).toMatchObject({ inBroker: 2, waiting: 0, delayed: 0, overloaded: false })
    expect(t.transitions).toEqual([])
  })

  test('past the limit uplinks wait, in arrival order, and enter one per finished uplink', () => {
    const t = gate(2)
    for (const name of ['a1', 'a2', 'b1', 'a3', 'b2']) t.admit(name, name.startsWith('a') ? deviceA : deviceB)
    expect(t.order).toEqual(['a1', 'a2'])
    expect(t.g.stats()).toMatchObject({ inBroker: 2, waiting: 3, delayed: 3, overloaded: true, overloads: 1 })
    t.advance(40)
    t.finish('a2')
    expect(t.order).toEqual(['a1', 'a2', 'b1'])
    t.advance(10)
    t.finish('a1')
    t.finish('b1')
    expect(t.order).toEqual(['a1', 'a2', 'b1', 'a3', 'b2'])
    expect(t.g.stats()).toMatchObject({ inBroker: 2, waiting: 0, delayed: 3, delayedMs: 40 + 50 + 50, maxDelayMs: 50 })
  })

  test('nothing overtakes a waiting uplink, even when room appears before it is let in', () => {
    const t = gate(1)
    t.admit('a1', deviceA)
    t.admit('a2', deviceA)
    t.finish('a1')
    t.admit('a3', deviceA)
    expect(t.order).toEqual(['a1', 'a2'])
    t.finish('a2')
    expect(t.order).toEqual(['a1', 'a2', 'a3'])
  })

  test('finishing an unknown or finished uplink changes nothing', () => {
    const t = gate(1)
    t.admit('a1', deviceA)
    t.admit('a2', deviceA)
    t.g.finish({})
    t.finish('a1')
    t.finish('a1')
    expect(t.order).toEqual(['a1', 'a2'])
    expect(t.g.stats()).toMatchObject({ inBroker: 1, waiting: 0 })
  })

  test('a closed connection frees its room and drops its waiting uplinks', () => {
    const t = gate(2)
    t.admit('a1', deviceA)
    t.admit('a2', deviceA)
    t.admit('a3', deviceA)
    t.admit('b1', deviceB)
    t.g.forget(deviceA)
    expect(t.order).toEqual(['a1', 'a2', 'b1'])
    expect(t.g.stats()).toMatchObject({ inBroker: 1, waiting: 0 })
    // Delivered after all: already forgotten, so no room is freed twice.
    t.finish('a1')
    expect(t.g.stats().inBroker).toBe(1)
  })

  test('an overload is reported once when it starts and once after quietMs without a wait', () => {
    const t = gate(1, 100)
    t.admit('a1', deviceA)
    t.admit('a2', deviceA)
    t.admit('a3', deviceA)
    expect(t.transitions.map(([x]) => x)).toEqual(['entered'])
    expect(t.transitions[0]?.[1]).toMatchObject({ waiting: 1, delayed: 0, overloaded: true, overloads: 1 })
    t.finish('a1')
    t.finish('a2')
    t.advance(99)
    t.g.tick()
    expect(t.g.stats().overloaded).toBe(true)
    t.advance(1)
    t.g.tick()
    t.g.tick()
    expect(t.transitions.map(([x]) => x)).toEqual(['entered', 'left'])
    expect(t.transitions[1]?.[1]).toMatchObject({ overloaded: false, delayed: 2, waiting: 0 })
  })

  test('the overload does not end while uplinks still wait', () => {
    const t = gate(1, 100)
    t.admit('a1', deviceA)
    t.admit('a2', deviceA)
    t.advance(1000)
    t.g.tick()
    expect(t.g.stats()).toMatchObject({ overloaded: true, waiting: 1 })
  })

  test('an uplink delivered as it is let in does not recurse through the queue', () => {
    const order: number[] = []
    const g = new PublishGate({ limit: 1, quietMs: 1, now: () => 0, onTransition: () => undefined })
    const first = {}
    g.admit(first, deviceA, () => order.push(0))
    // Each of these finishes itself synchronously when let in, as a QoS 0 uplink nobody
    // subscribes to does inside Aedes.
    const n = 50_000
    for (let i = 1; i <= n; i++) {
      const p = {}
      g.admit(p, deviceA, () => {
        order.push(i)
        g.finish(p)
      })
    }
    g.finish(first)
    expect(order).toHaveLength(n + 1)
    expect(order.at(-1)).toBe(n)
  })

  test.each([0, -1, 1.5, Number.NaN])('limit %s is refused', (limit) => {
    expect(() => new PublishGate({ limit, quietMs: 1, now: () => 0, onTransition: () => undefined })).toThrow(RangeError)
  })
})
