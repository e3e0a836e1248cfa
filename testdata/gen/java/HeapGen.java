/*
 * HeapGen: a small JVM program that dumps its own live heap at chosen
 * moments, for heapdiff's HPROF tests (tests/hprof.py, regen.sh here).
 *
 *   java HeapGen OUTDIR [DUMPS]
 *
 * Three behaviours run side by side, one step between dumps:
 *   LeakApp   a static-collection leak: SESSIONS_PER_STEP sessions added
 *             to a static list at every step, never removed;
 *   WarmCache a warm-up cache: a bounded LRU map that fills during the
 *             first two steps and then only replaces entries (levelled);
 *   Churn     churn: each step drops its batch and allocates a new one of
 *             the same size (new objects, same live set), plus garbage.
 *
 * After each dump (HotSpotDiagnosticMXBean.dumpHeap(path, live=true)) it
 * prints "dumped PATH pid PID" and waits for a line on standard input,
 * so a harness can run jmap -histo:live PID on the same quiescent heap.
 * No lambdas or streams: they would load java.lang.invoke classes between
 * dumps.
 */
import com.sun.management.HotSpotDiagnosticMXBean;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;

public final class HeapGen {
	public static void main(String[] args) throws Exception {
		String out = args[0];
		int dumps = args.length > 1 ? Integer.parseInt(args[1]) : 4;
		HotSpotDiagnosticMXBean bean =
			ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
		BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
		long pid = ProcessHandle.current().pid();

		for (int step = 0; step < dumps; step++) {
			LeakApp.step(step);
			WarmCache.step(step);
			Churn.step(step);
			String path = out + "/heapgen-" + step + ".hprof";
			bean.dumpHeap(path, true);
			System.out.println("dumped " + path + " pid " + pid);
			System.out.flush();
			if (in.readLine() == null)
				break;
		}
	}
}
