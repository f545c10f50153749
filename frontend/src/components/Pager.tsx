const SIZES = [5, 10, 25] as const;

/** Previous/next and page size for a paged table. */
export function Pager(props: {
  testId: string;
  page: number;
  pages: number;
  size: number;
  onPage: (page: number) => void;
  onSize: (size: number) => void;
}) {
  return (
    <div className="pager" data-testid={props.testId}>
      <button
        type="button"
        disabled={props.page === 0}
        onClick={() => props.onPage(props.page - 1)}
      >
        Previous
      </button>
      <span>
        Page {props.page + 1} of {props.pages}
      </span>
      <button
        type="button"
        disabled={props.page >= props.pages - 1}
        onClick={() => props.onPage(props.page + 1)}
      >
        Next
      </button>
      <label>
        per page{" "}
        <select value={props.size} onChange={(e) => props.onSize(Number(e.target.value))}>
          {SIZES.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
      </label>
    </div>
  );
}
