import Foundation

/// Runs the real `dmm` binary built beside the test bundle.
enum CLI {
    static let repoRoot: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()

    static var binary: String {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        // The runner may sit inside an .xctest bundle folder on some layouts.
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("dmm").path), dir.path != "/" {
            dir = dir.deletingLastPathComponent()
        }
        return dir.appendingPathComponent("dmm").path
    }

    struct Result { var status: Int32; var stdout: String; var stderr: String }

    /// Runs `dmm args…` in `cwd` (default: a fresh temporary folder) with optional stdin.
    /// A run longer than `timeout` seconds is killed (SIGKILL) and reported as status 137, so a
    /// hang fails the test instead of stalling the suite.
    /// With `taskset` (a CPU list such as "0" or "0,1"), the binary runs pinned to those CPUs.
    static func run(_ args: [String], cwd: String? = nil, stdin: String? = nil, timeout: TimeInterval = 120,
                    taskset cpus: String? = nil) throws -> Result {
        signal(SIGPIPE, SIG_IGN)   // a binary that exits before reading stdin must not kill the test
        let p = Process()
        if let cpus {
            p.executableURL = URL(fileURLWithPath: "/usr/bin/taskset")
            p.arguments = ["-c", cpus, binary] + args
        } else {
            p.executableURL = URL(fileURLWithPath: binary)
            p.arguments = args
        }
        p.currentDirectoryURL = URL(fileURLWithPath: cwd ?? tempDir())
        let out = Pipe(), err = Pipe(), inp = Pipe()
        p.standardOutput = out; p.standardError = err; p.standardInput = inp
        try p.run()
        let pid = p.processIdentifier
        let timer = DispatchWorkItem { kill(pid, SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: timer)
        if let stdin { try? inp.fileHandleForWriting.write(contentsOf: Data(stdin.utf8)) }
        try? inp.fileHandleForWriting.close()
        // Read both pipes at once: a child that fills stderr while we wait on stdout must not stall.
        nonisolated(unsafe) var e = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { e = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let o = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        timer.cancel()
        let status = p.terminationReason == .uncaughtSignal ? 128 + p.terminationStatus : p.terminationStatus
        return Result(status: status, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    /// The CPUs this process may run on, from /proc/self/status (e.g. [0, 1]).
    static let allowedCPUs: [Int] = {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") }) else { return [0] }
        var cpus: [Int] = []
        for part in line.dropFirst("Cpus_allowed_list:".count).trimmingCharacters(in: .whitespaces).split(separator: ",") {
            let ends = part.split(separator: "-").compactMap { Int($0) }
            if ends.count == 2, ends[0] <= ends[1] { cpus += Array(ends[0]...ends[1]) } else if ends.count == 1 { cpus.append(ends[0]) }
        }
        return cpus.isEmpty ? [0] : cpus
    }()

    static func tempDir() -> String {
        let d = NSTemporaryDirectory() + "dmm-test-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }
}
