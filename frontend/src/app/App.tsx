import { lazy, Suspense, type ComponentType } from "react";
import { useBlockNumber } from "wagmi";
import { ROUTES, useHashRoute, type RoutePath } from "./router.ts";
import { ChainClock } from "../components/ChainClock.tsx";
import { WalletMenu } from "../components/WalletMenu.tsx";
import { AccountPage } from "../pages/AccountPage.tsx";
import { appChain } from "../config/wagmi.ts";

// Heavy pages (charts, graph drawing) are split out of the initial route.
const pages: Record<RoutePath, ComponentType<{ param: string }>> = {
  account: AccountPage,
  market: lazy(() => import("../pages/MarketPage.tsx")),
  dispatch: lazy(() => import("../pages/DispatchPage.tsx")),
  grid: lazy(() => import("../pages/GridPage.tsx")),
  trace: lazy(() => import("../pages/TracePage.tsx")),
  explorer: lazy(() => import("../pages/ExplorerPage.tsx")),
  admin: lazy(() => import("../pages/AdminPage.tsx")),
  alliance: lazy(() => import("../pages/AlliancePage.tsx")),
  alerts: lazy(() => import("../pages/AlertsPage.tsx")),
};

function ChainBadge() {
  const { data: block, isError } = useBlockNumber({ watch: true, chainId: appChain.id });
  return (
    <span className={`chain-badge ${isError ? "down" : ""}`} data-testid="chain-badge">
      {appChain.name} · {isError ? "unreachable" : block === undefined ? "…" : `#${block}`}
    </span>
  );
}

/** The shell: header with navigation and wallet, then the page the URL hash names. */
export function App() {
  const { page, param } = useHashRoute();
  const Page = pages[page];
  return (
    <div className="shell">
      <header className="top">
        <a className="brand" href="#/account">
          ⚡ GridLedger
        </a>
        <nav aria-label="Pages">
          {ROUTES.map((r) => (
            <a key={r.path} href={`#/${r.path}`} className={r.path === page ? "active" : ""}>
              {r.label}
            </a>
          ))}
        </nav>
        <ChainBadge />
        <ChainClock />
        <WalletMenu />
      </header>
      <main>
        <Suspense fallback={<p className="muted">Loading…</p>}>
          <Page param={param} />
        </Suspense>
      </main>
    </div>
  );
}
