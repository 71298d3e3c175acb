package io.github.redisstreams.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The machine a run measured: processors, CPU model, memory, Java, Redis, and the load average.
 */
record MachineInfo(int processors, String cpuModel, String memory, String java, String os, String redis) {

	static MachineInfo collect(RedisAdmin admin) {
		return new MachineInfo(Runtime.getRuntime().availableProcessors(), readCpuModel(), readMemory(),
				System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"),
				System.getProperty("os.name") + " " + System.getProperty("os.version") + " ("
						+ System.getProperty("os.arch") + ")",
				admin.version());
	}

	/** The 1-minute load average, or NaN where the system does not tell. */
	static double loadAverage1() {
		String[] averages = loadAverages().split(" ");
		try {
			return Double.parseDouble(averages[0]);
		}
		catch (NumberFormatException ex) {
			return Double.NaN;
		}
	}

	/** The 1, 5 and 15-minute load averages, as {@code /proc/loadavg} gives them. */
	static String loadAverages() {
		List<String> lines = read("/proc/loadavg");
		if (lines.isEmpty()) {
			return "unknown";
		}
		String[] fields = lines.get(0).split(" ");
		return fields[0] + " " + fields[1] + " " + fields[2];
	}

	private static String readCpuModel() {
		return read("/proc/cpuinfo").stream()
			.filter((line) -> line.startsWith("model name"))
			.map((line) -> line.substring(line.indexOf(':') + 1).trim())
			.findFirst()
			.orElse(System.getProperty("os.arch"));
	}

	private static String readMemory() {
		return read("/proc/meminfo").stream()
			.filter((line) -> line.startsWith("MemTotal:"))
			.map((line) -> {
				long kib = Long.parseLong(line.replaceAll("\\D+", ""));
				return String.format("%.1f GiB", kib / 1048576.0);
			})
			.findFirst()
			.orElse("unknown");
	}

	private static List<String> read(String file) {
		try {
			return Files.readAllLines(Path.of(file));
		}
		catch (IOException ex) {
			return List.of();
		}
	}

}
