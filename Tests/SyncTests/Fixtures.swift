import CopyTradeCore
import Sync

/// A trader add of `delta` on margin `before`, occurring at `occurred` and received 100 ms later.
func signal(id: String = "s1", trader: String = "trader-1", before: Decimal8 = 1_000, delta: Decimal8 = 100,
            occurred: Millis = 10_000, received: Millis? = nil, mode: MarginMode = .isolated,
            eligible: Bool = true) -> MarginSyncSignal {
    MarginSyncSignal(id: id, trader: AccountID(trader), traderPosition: "BTCUSDT-long", traderMarginBefore: before,
                     delta: delta, occurredAt: occurred, receivedAt: received ?? occurred + 100,
                     traderMarginMode: mode, traderEligible: eligible)
}

/// A copier position with margin 500, plenty available, all of it reducible, related since t = 0.
func copier(_ id: String = "copier-1", margin: Decimal8 = 500, available: Decimal8 = 10_000, maxReducible: Decimal8 = 500,
            established: Millis = 0, mode: MarginMode = .isolated) -> CopierMarginState {
    CopierMarginState(copier: AccountID(id), position: "p-\(id)", positionMargin: margin, availableBalance: available,
                      maxReducible: maxReducible, relationEstablishedAt: established, marginMode: mode)
}
