import { useEffect, useState } from "react";

/** The app's pages, addressed by the URL hash (`#/market`), so a static host serves every page. */
export const ROUTES = [
  { path: "account", label: "Account" },
  { path: "market", label: "Market" },
  { path: "dispatch", label: "Dispatch" },
  { path: "grid", label: "Grid" },
  { path: "trace", label: "Trace" },
  { path: "explorer", label: "Explorer" },
  { path: "admin", label: "Operator" },
  { path: "alliance", label: "Alliance" },
  { path: "alerts", label: "Alerts" },
] as const;

export type RoutePath = (typeof ROUTES)[number]["path"];

/** Splits `#/trace/batch-7?x=1` into the page (`trace`) and the rest (`batch-7`). */
export function parseHash(hash: string): { page: RoutePath; param: string } {
  const [first = "", ...rest] = hash.replace(/^#\/?/, "").split("?")[0]!.split("/");
  const page = ROUTES.find((r) => r.path === first)?.path ?? "account";
  return { page, param: decodeURIComponent(rest.join("/")) };
}

/** The current route, updated on every hash change. */
export function useHashRoute(): { page: RoutePath; param: string } {
  const [route, setRoute] = useState(() => parseHash(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseHash(window.location.hash));
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return route;
}
