/** @jsxRuntime automatic @jsxImportSource hono/jsx */
/** The "last N days" choice of a page's filter form, and its Show button (the form's last fields). */
export function RangeFields({ id, ranges, range }: { id: string; ranges: readonly number[]; range: number }) {
  return (
    <>
      <div>
        <label for={id}>Range</label>
        <select id={id} name="days">
          {ranges.map((n) => (
            <option value={String(n)} selected={n === range}>
              last {n} {n === 1 ? 'day' : 'days'}
            </option>
          ))}
        </select>
      </div>
      <div>
        <button type="submit" class="secondary">
          Show
        </button>
      </div>
    </>
  );
}
