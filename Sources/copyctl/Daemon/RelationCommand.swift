import ArgumentParser
import Calculators
import CopyTradeCore
import CopyTradeProto
import ModuleRuntime

/// `copyctl relation list|show|set`: copy relations, their settings and results.
struct RelationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "relation", abstract: "Inspect copy relations and change their settings.",
                                                    subcommands: [List.self, Show.self, Change.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List copy relations with their status, sizing, protections and net result.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only the relations of this copier or trader.") var account = ""

        func run() async throws {
            try await runReporting(json: global.json) {
                var r = Copytrade_V1_ListRelationsRequest()
                r.accountID = account
                let out: Copytrade_V1_ListRelationsResponse = try await withControl(global) { try await $0.call("ListRelations", r) }
                if global.json {
                    var o = CalcOutput()
                    o.add("relations", .list(out.relations.map(Views.relation)))
                    print(o.json)
                } else {
                    print(out.relations.isEmpty ? "no relations" : Views.relationTable(out.relations))
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show every setting and figure of a copier's relation with a trader.")
        @OptionGroup var global: GlobalOptions
        @Argument var copier: String
        @Argument var trader: String

        func run() async throws {
            try await runReporting(json: global.json) {
                var r = Copytrade_V1_ListRelationsRequest()
                r.accountID = copier
                let out: Copytrade_V1_ListRelationsResponse = try await withControl(global) { try await $0.call("ListRelations", r) }
                let pair = out.relations.filter { $0.copierID == copier && $0.traderID == trader }
                // The live relation; an ended one (kept while its copies stay open) otherwise.
                guard let relation = pair.last(where: { $0.status != .ended }) ?? pair.last else {
                    throw DomainError.notFound("trader", "\"\(copier)\" does not follow \"\(trader)\"")
                }
                Output.emit(Views.relation(relation), json: global.json)
            }
        }
    }

    struct Change: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set", abstract: "Change a relation's settings while following.",
            discussion: """
                Takes every follow option; only the options given change. --clear NAME turns an optional \
                setting off (repeatable or a comma list): \(RelationFields.clearable.map(optionSpelling).joined(separator: ", ")).
                """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var input: InputOptions
        @Argument var copier: String
        @Argument var trader: String
        @OptionGroup var settings: RelationSettingOptions
        @Option(help: "Turn an optional setting off, e.g. tp-ratio (repeatable).") var clear: [String] = []

        func run() async throws {
            var r = Copytrade_V1_SetRelationRequest()
            do {
                r.key = input.keyValue
                r.copierID = copier
                r.traderID = trader
                var s = Copytrade_V1_FollowRequest()
                let given = try settings.apply(to: &s)
                var cleared: [String] = []
                for item in clear.flatMap({ $0.split(separator: ",", omittingEmptySubsequences: false) }).map(String.init) {
                    guard let name = RelationFields.clearName(item.trimmingCharacters(in: .whitespaces)) else {
                        throw DomainError.invalid("--clear", "\"\(item)\" is not a setting that can be cleared; one of "
                                                  + RelationFields.clearable.map(optionSpelling).joined(separator: ", "))
                    }
                    guard !given.contains(name) else {
                        throw DomainError.invalid("--clear", "\(optionSpelling(name)) is both set and cleared")
                    }
                    if !cleared.contains(name) { cleared.append(name) }
                }
                guard !given.isEmpty || !cleared.isEmpty else {
                    throw DomainError.invalid("settings", "nothing to change: give a follow option such as --tp-ratio R, or --clear NAME")
                }
                r.settings = s
                r.fields = given
                r.clear = cleared
                r.atMs = try input.atMs()
            } catch { throw Output.fail(error, json: global.json) }
            try await submit(global, "SetRelation", r)
        }
    }
}

/// A setting's option spelling: `maxDailyMargin` → `max-daily-margin`, `autoMarginAmount` → `auto-margin`.
func optionSpelling(_ name: String) -> String {
    if let alias = RelationFields.aliases.first(where: { $0.value == name }) { return alias.key }
    var out = ""
    for c in name {
        if c.isUppercase { out += "-" + c.lowercased() } else { out.append(c) }
    }
    return out
}

import Foundation
