import { Duplex } from 'node:stream'

/**
 * An in-memory connection between Aedes and an MQTT.js client that carries real MQTT bytes, with a
 * valve on the broker → client direction: closed, the broker's writes pile up unread, as they do
 * on the socket of a subscriber that has stopped reading. A small high-water mark makes Aedes
 * wait for 'drain' after a few kilobytes instead of after the megabytes of a loopback socket.
 */
export interface Valve {
  /** For `aedes.handle()`. */
  brokerSide: Duplex
  /** For `new MqttClient(() => clientSide, …)`. */
  clientSide: Duplex
  close(): void
  open(): void
}

export function valve(highWaterMarkBytes = 1024): Valve {
  let isOpen = true
  const held: Array<{ chunk: Buffer; done: () => void }> = []
  // Each side's writes become the other side's reads; `read` has nothing to do, data is pushed.
  const clientSide: Duplex = new Duplex({
    read: () => undefined,
    write: (chunk: Buffer, _enc, done) => {
      brokerSide.push(chunk)
      done()
    },
    final: (done) => {
      brokerSide.push(null)
      done()
    }
  })
  const brokerSide: Duplex = new Duplex({
    writableHighWaterMark: highWaterMarkBytes,
    read: () => undefined,
    write: (chunk: Buffer, _enc, done) => {
      if (isOpen) {
        clientSide.push(chunk)
        done()
      } else held.push({ chunk, done })
    },
    final: (done) => {
      clientSide.push(null)
      done()
    }
  })
  return {
    brokerSide,
    clientSide,
    close: () => {
      isOpen = false
    },
    open: () => {
      isOpen = true
      for (const { chunk, done } of held.splice(0)) {
        clientSide.push(chunk)
        done()
      }
    }
  }
}
