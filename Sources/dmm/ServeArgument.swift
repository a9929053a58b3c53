import Studio

/// `dmm live --serve [PORT]`: the port is optional, which ArgumentParser options cannot be,
/// so a bare `--serve` (not followed by a port number) is rewritten to `--serve=8910` before
/// parsing. Only the `live` subcommand's arguments are touched, and only before a `--`.
enum ServeArgument {
    static func normalised(_ args: [String]) -> [String] {
        guard args.first == "live" else { return args }
        var out: [String] = []
        var i = 0
        while i < args.count {
            let a = args[i]
            if a == "--" { out += args[i...]; break }
            if a == "--serve" {
                let next = i + 1 < args.count ? args[i + 1] : nil
                if next.flatMap({ Int($0) }) == nil { out.append("--serve=\(StudioServer.defaultPort)"); i += 1; continue }
            }
            out.append(a)
            i += 1
        }
        return out
    }
}
