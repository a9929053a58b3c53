import Foundation
import FlyingFox

/// `GET /ws`: one WebSocket per client, frames pulled from its `StudioClient` outbox so that
/// the connection writes at the client's pace (FlyingFox writes a frame, then asks for the
/// next), and messages from the page handed to the server.
struct StudioSocket: WSHandler {
    let hub: StudioHub
    /// Handles a text message from a client (commands, patch text, audio on/off).
    let onText: @Sendable (StudioClient, String) async -> Void

    func makeFrames(for incoming: AsyncThrowingStream<WSFrame, any Error>) async throws -> AsyncStream<WSFrame> {
        let client = hub.connect()
        let hub = self.hub, onText = self.onText
        Task {
            var partial = Data()
            var partialIsText = false
            do {
                for try await f in incoming {
                    switch f.opcode {
                    case .ping: client.offer(control: WSFrame(fin: true, opcode: .pong, mask: nil, payload: f.payload))
                    case .close:
                        client.offer(control: .close(code: .normalClosure))
                        hub.disconnect(client)
                        return
                    case .text, .binary, .continuation:
                        if f.opcode != .continuation { partial = Data(); partialIsText = f.opcode == .text }
                        partial.append(f.payload)
                        // A command line or a patch: refuse anything absurdly large.
                        if partial.count > StudioServer.maxPatchBytes {
                            client.offer(control: .close(code: WSCloseCode(1009, reason: "message too big")))
                            hub.disconnect(client)
                            return
                        }
                        if f.fin, partialIsText, let s = String(data: partial, encoding: .utf8) { await onText(client, s) }
                    default: break
                    }
                }
            } catch {}
            hub.disconnect(client)
        }
        return AsyncStream(unfolding: { await client.next() })
    }
}
