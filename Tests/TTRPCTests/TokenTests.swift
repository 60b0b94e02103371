import Foundation
import Testing
@testable import TTRPC

@Suite("Shared token", .timeLimit(.minutes(1)))
struct TokenTests {
    static let token = "correct-horse-battery-staple"

    var configuration: TTRPCServerConfiguration { TTRPCServerConfiguration(requiredToken: Self.token) }

    @Test(arguments: TransportKind.allCases)
    func rightTokenWorks(transport: TransportKind) async throws {
        try await withServer(transport, configuration: configuration) { _, address in
            let reply1 = try await echo("let me in", at: address, token: Self.token)
            #expect(reply1 == "let me in")
        }
    }

    @Test func missingTokenIsUnauthenticated() async throws {
        try await withServer(.tcp, configuration: configuration) { _, address in
            let error = await expectStatus(.unauthenticated) {
                _ = try await echo("no token", at: address)
            }
            #expect(error?.message == "missing or invalid token")
        }
    }

    @Test(arguments: [
        "Bearer wrong-token",
        "Bearer \(TokenTests.token)x",
        "Bearer \(TokenTests.token.dropLast())",
        "Basic \(TokenTests.token)",
        TokenTests.token,
        "Bearer",
        "",
    ])
    func wrongTokenIsUnauthenticated(header: String) async throws {
        try await withServer(.unix, configuration: configuration) { _, address in
            try await withClient(address) { client in
                let error = await expectStatus(.unauthenticated) {
                    _ = try await echoCall(client, "x", metadata: ["authorization": header])
                }
                #expect(error?.message == "missing or invalid token")
            }
        }
    }

    @Test func schemeAndKeyAreCaseInsensitive() async throws {
        try await withServer(.unix, configuration: configuration) { _, address in
            try await withClient(address) { client in
                let reply2 = try await echoCall(client, "a", metadata: ["Authorization": "bearer \(Self.token)"])
                #expect(reply2 == "a")
            }
        }
    }

    @Test func healthAnswersWithoutToken() async throws {
        try await withServer(.tcp, configuration: configuration) { _, address in
            try await withClient(address) { client in
                let reply3 = try await client.healthCheck()
                #expect(reply3 == .serving)
                let reply4 = try await client.healthCheck(service: echoService)
                #expect(reply4 == .serving)
            }
        }
    }

    @Test func unknownServiceWithoutTokenRevealsNothing() async throws {
        try await withServer(.unix, configuration: configuration) { _, address in
            try await withClient(address) { client in
                await expectStatus(.unauthenticated) {
                    _ = try await client.rawCall(service: "no.such.Service", method: "Nope", payload: Data())
                }
            }
        }
    }

    @Test func serverWithoutTokenIgnoresIt() async throws {
        _ = try await withServer(.unix) { _, address in
            let reply5 = try await echo("open", at: address, token: Self.token)
            #expect(reply5 == "open")
        }
    }

    @Test func emptyOrBlankTokensAreRefused() async throws {
        let server = TTRPCServer(
            address: TransportKind.unix.address(), services: [.interopEcho],
            configuration: TTRPCServerConfiguration(requiredToken: ""), logger: testLogger)
        await expectStatus(.invalidArgument) { _ = try await server.bind() }
        server.close()
        _ = try await withServer(.unix) { _, address in
            await expectStatus(.invalidArgument) {
                _ = try await TTRPCClient.connect(to: address, logger: testLogger, token: "has space")
            }
        }
    }

    @Test func tokenFileIsTrimmedAndErrorsNameTheFile() throws {
        let directory = FileManager.default.temporaryDirectory.path
        let path = directory + "/ttrpc-token-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "  \(Self.token)\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try TTRPCToken.load(fromFile: path) == Self.token)

        try "\n".write(toFile: path, atomically: true, encoding: .utf8)
        let empty = #expect(throws: TTRPCError.self) { _ = try TTRPCToken.load(fromFile: path) }
        #expect(empty?.message.contains(path) == true)

        let missing = path + "-missing"
        let error = #expect(throws: TTRPCError.self) { _ = try TTRPCToken.load(fromFile: missing) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains(missing) == true)
    }

    @Test func constantTimeComparison() {
        let a = Array("abcdef".utf8)
        #expect(TTRPCToken.constantTimeEquals(a, a))
        #expect(!TTRPCToken.constantTimeEquals(Array("abcdeg".utf8), a))
        #expect(!TTRPCToken.constantTimeEquals(Array("abcde".utf8), a))
        #expect(!TTRPCToken.constantTimeEquals(Array("abcdefg".utf8), a))
        #expect(!TTRPCToken.constantTimeEquals([], a))
        #expect(!TTRPCToken.isAuthorized([:], expected: "abc"))
        #expect(TTRPCToken.isAuthorized(["authorization": "Bearer abc"], expected: "abc"))
        #expect(!TTRPCToken.isAuthorized(["authorization": "Bearer abc"], expected: ""))
    }
}
