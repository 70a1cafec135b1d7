import {
	Counter,
	collectDefaultMetrics,
	Gauge,
	Histogram,
	Registry,
} from "prom-client";

/** The server's Prometheus metrics, on a registry of its own so several servers can coexist. */
export class ServerMetrics {
	readonly registry = new Registry();
	readonly activeSessions = new Gauge({
		name: "earshot_active_sessions",
		help: "Open WebSocket sessions (refused ones excluded)",
		registers: [this.registry],
	});
	readonly refusedSessions = new Counter({
		name: "earshot_refused_sessions_total",
		help: "Sessions refused, by reason",
		labelNames: ["reason"] as const,
		registers: [this.registry],
	});
	readonly audioSeconds = new Counter({
		name: "earshot_audio_seconds_total",
		help: "Seconds of audio received from clients",
		registers: [this.registry],
	});
	readonly phrases = new Counter({
		name: "earshot_phrases_total",
		help: "speech.phrase messages sent",
		registers: [this.registry],
	});
	readonly internalErrors = new Counter({
		name: "earshot_internal_errors_total",
		help: "Unexpected errors, each of which closed only its own session with 4000, by where it arose",
		labelNames: ["stage"] as const,
		registers: [this.registry],
	});
	readonly finalizationLatency = new Histogram({
		name: "earshot_finalization_latency_seconds",
		help: "From the arrival of the audio that ends a phrase (its end plus the segmentation silence) to its speech.phrase",
		buckets: [0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5],
		registers: [this.registry],
	});

	constructor() {
		const started = process.cpuUsage();
		const audio = this.audioSeconds;
		new Gauge({
			name: "earshot_real_time_factor",
			help: "Process CPU seconds per second of audio received, since the server started",
			registers: [this.registry],
			async collect() {
				const seconds = (await audio.get()).values[0]?.value ?? 0;
				const cpu = process.cpuUsage(started);
				this.set(seconds > 0 ? (cpu.user + cpu.system) / 1e6 / seconds : 0);
			},
		});
		collectDefaultMetrics({ register: this.registry });
	}
}
