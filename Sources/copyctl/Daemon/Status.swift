import ArgumentParser
import Calculators
import Coordinator
import CopyTradeCore
import CopyTradeProto
import ModuleRuntime

/// `copyctl status`: the coordinator's health, journal position and module routes.
struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the coordinator's status.")
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await runReporting(json: global.json) {
            let (s, health) = try await withControl(global) { c in
                let s: Copytrade_V1_StatusResponse = try await c.call("Status", Copytrade_V1_StatusRequest())
                let h = try await c.client.healthCheck(service: "copytrade.v1.Control")
                return (s, h)
            }
            var o = CalcOutput()
            o.add("health", "\(health)")
            o.add("version", s.version)
            o.add("startedMs", .integer(s.startedMs))
            o.add("lastSequence", .integer(Int64(s.lastSequence)))
            o.add("accounts", .integer(Int64(s.accounts)))
            o.add("openPositions", .integer(Int64(s.openPositions)))
            o.add("pendingOrders", .integer(Int64(s.pendingOrders)))
            o.add("relations", .integer(Int64(s.relations)))
            o.add("heldSignals", .integer(Int64(s.heldSignals)))
            o.add("insurance", Decimal8(e8: s.insuranceE8))
            if s.nextSettlementMs != 0 {
                o.add("nextSettlement", UTCTime.format(s.nextSettlementMs))
                o.add("nextSettlementMs", .integer(s.nextSettlementMs))
            }
            o.add("dataDir", s.dataDir)
            o.add("modules", .list(s.modules.map { m in
                var r = CalcOutput()
                r.add("module", m.module)
                r.add("kind", m.kind)
                if !m.address.isEmpty { r.add("address", m.address) }
                r.add("health", m.health)
                r.add("version", m.version)
                return r
            }))
            Output.emit(o, json: global.json)
        }
    }
}
