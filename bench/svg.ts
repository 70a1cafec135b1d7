// Hand-written SVG charts for bench/REPORT.md: no plotting dependency, plain text in git.

const WIDTH = 640;
const LEFT = 170;
const RIGHT = 24;
const TOP = 36;
const BOTTOM = 48;
const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd"];

export interface Range {
	label: string;
	median: number;
	min: number;
	max: number;
	p95?: number;
}

export interface Series {
	name: string;
	points: [number, number][];
}

const xmlText = (text: string) =>
	text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const num = (n: number) => Number(n.toFixed(1));

/** About five round tick values covering [lo, hi]. */
function ticks(lo: number, hi: number): number[] {
	const span = hi - lo || Math.abs(hi) || 1;
	const raw = span / 5;
	const step =
		10 ** Math.floor(Math.log10(raw)) *
		([1, 2, 5, 10].find((m) => m * 10 ** Math.floor(Math.log10(raw)) >= raw) ??
			10);
	const out: number[] = [];
	for (let t = Math.floor(lo / step) * step; t <= hi + step / 2; t += step)
		out.push(Number(t.toPrecision(12)));
	return out;
}

/** Maps [lo, hi] (widened to round ticks) onto [from, to] pixels. */
function scale(values: number[], from: number, to: number) {
	const marks = ticks(Math.min(0, ...values), Math.max(...values));
	const lo = marks[0];
	const hi = marks.at(-1) as number;
	const at = (v: number) =>
		num(from + ((v - lo) / (hi - lo || 1)) * (to - from));
	return { marks, at };
}

function frame(title: string, height: number, body: string[]): string {
	return [
		`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12" role="img">`,
		// Screen readers and linters read the chart's name from its first <title>.
		`<title>${xmlText(title)}</title>`,
		`<rect x="0" y="0" width="${WIDTH}" height="${height}" fill="white"/>`,
		`<text x="${WIDTH / 2}" y="20" text-anchor="middle" font-size="14">${xmlText(title)}</text>`,
		...body,
		"</svg>",
		"",
	].join("\n");
}

function xAxis(
	marks: number[],
	at: (v: number) => number,
	y0: number,
	y1: number,
	label: string,
): string[] {
	return [
		...marks.map(
			(m) =>
				`<line x1="${at(m)}" y1="${y0}" x2="${at(m)}" y2="${y1}" stroke="#ddd"/>` +
				`<text x="${at(m)}" y="${y1 + 16}" text-anchor="middle">${m}</text>`,
		),
		`<text x="${num((LEFT + WIDTH - RIGHT) / 2)}" y="${y1 + 34}" text-anchor="middle">${xmlText(label)}</text>`,
	];
}

/** One row per measurement: a min–max line, a dot at the median, a tick at p95. */
export function rangeChart(title: string, unit: string, rows: Range[]): string {
	const height = TOP + BOTTOM + rows.length * 36;
	const { marks, at } = scale(
		rows.flatMap((r) => [r.min, r.max]),
		LEFT,
		WIDTH - RIGHT,
	);
	const body = xAxis(marks, at, TOP, height - BOTTOM, unit);
	rows.forEach((r, i) => {
		const y = TOP + 18 + i * 36;
		body.push(
			`<text x="${LEFT - 8}" y="${y + 4}" text-anchor="end">${xmlText(r.label)}</text>`,
			`<line x1="${at(r.min)}" y1="${y}" x2="${at(r.max)}" y2="${y}" stroke="${COLORS[0]}" stroke-width="3"/>`,
			`<circle cx="${at(r.median)}" cy="${y}" r="5" fill="${COLORS[1]}"><title>median ${r.median}</title></circle>`,
		);
		if (r.p95 !== undefined)
			body.push(
				`<line x1="${at(r.p95)}" y1="${y - 8}" x2="${at(r.p95)}" y2="${y + 8}" stroke="${COLORS[3]}" stroke-width="2"><title>p95 ${r.p95}</title></line>`,
			);
	});
	body.push(
		`<text x="${LEFT}" y="${height - 4}" font-size="10">line: min–max, dot: median${rows.some((r) => r.p95 !== undefined) ? ", tick: p95" : ""}</text>`,
	);
	return frame(title, height, body);
}

/** Horizontal bars with min–max whiskers. */
export function barChart(title: string, unit: string, bars: Range[]): string {
	const height = TOP + BOTTOM + bars.length * 36;
	const { marks, at } = scale(
		bars.flatMap((b) => [b.min, b.max]),
		LEFT,
		WIDTH - RIGHT,
	);
	const body = xAxis(marks, at, TOP, height - BOTTOM, unit);
	bars.forEach((b, i) => {
		const y = TOP + 6 + i * 36;
		body.push(
			`<text x="${LEFT - 8}" y="${y + 16}" text-anchor="end">${xmlText(b.label)}</text>`,
			`<rect x="${at(0)}" y="${y}" width="${num(at(b.median) - at(0))}" height="22" fill="${COLORS[i % COLORS.length]}"><title>${b.median}</title></rect>`,
			`<line x1="${at(b.min)}" y1="${y + 11}" x2="${at(b.max)}" y2="${y + 11}" stroke="black"/>`,
		);
	});
	return frame(title, height, body);
}

/** Lines over a numeric x axis, with a legend. */
export function lineChart(
	title: string,
	xLabel: string,
	yLabel: string,
	series: Series[],
): string {
	const height = 320;
	const plotLeft = 70;
	const xs = series.flatMap((s) => s.points.map(([x]) => x));
	const ys = series.flatMap((s) => s.points.map(([, y]) => y));
	const x = scale(xs, plotLeft, WIDTH - RIGHT);
	const y = scale(ys, height - BOTTOM, TOP + 20);
	const body = [
		...x.marks.map(
			(m) =>
				`<text x="${x.at(m)}" y="${height - BOTTOM + 16}" text-anchor="middle">${m}</text>`,
		),
		...y.marks.map(
			(m) =>
				`<line x1="${plotLeft}" y1="${y.at(m)}" x2="${WIDTH - RIGHT}" y2="${y.at(m)}" stroke="#ddd"/>` +
				`<text x="${plotLeft - 6}" y="${y.at(m) + 4}" text-anchor="end">${m}</text>`,
		),
		`<text x="${num((plotLeft + WIDTH - RIGHT) / 2)}" y="${height - 14}" text-anchor="middle">${xmlText(xLabel)}</text>`,
		`<text x="14" y="${num(height / 2)}" text-anchor="middle" transform="rotate(-90 14 ${num(height / 2)})">${xmlText(yLabel)}</text>`,
	];
	series.forEach((s, i) => {
		const color = COLORS[i % COLORS.length];
		const points = s.points.map(([px, py]) => `${x.at(px)},${y.at(py)}`);
		body.push(
			`<polyline points="${points.join(" ")}" fill="none" stroke="${color}" stroke-width="2"/>`,
			`<text x="${plotLeft + 8 + i * 150}" y="${TOP + 4}" fill="${color}">${xmlText(s.name)}</text>`,
		);
	});
	return frame(title, height, body);
}
