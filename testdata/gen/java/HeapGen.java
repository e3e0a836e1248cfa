/*
 * HeapGen: a small JVM program that dumps its own live heap at chosen
 * moments, for heapdiff's HPROF tests (tests/hprof.py, regen.sh here).
 *
 *   java HeapGen OUTDIR [DUMPS [steady]]
 *
 * Five behaviours run side by side, one step between dumps:
 *   LeakApp   a static-collection leak: SESSIONS_PER_STEP sessions added
 *             to a static list at every step, never removed;
 *   Listeners a listener leak: views closed without unregistering the
 *             handler they put on a static event bus;
 *   ThreadLocals a ThreadLocal leak: a worker thread ("request-worker")
 *             whose ThreadLocal list of request contexts only grows;
 *   WarmCache a warm-up cache: a bounded LRU map that fills during the
 *             first two steps and then only replaces entries (levelled);
 *   Churn     churn: each step drops its batch and allocates a new one of
 *             the same size (new objects, same live set), plus garbage.
 * With "steady", only the last two run (no leak), and the dumps are
 * steady-N.hprof instead of heapgen-N.hprof.
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
		boolean steady = args.length > 2 && args[2].equals("steady");
		HotSpotDiagnosticMXBean bean =
			ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
		BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
		long pid = ProcessHandle.current().pid();

		for (int step = 0; step < dumps; step++) {
			if (!steady) {
				LeakApp.step(step);
				Listeners.step(step);
				ThreadLocals.step(step);
			}
			WarmCache.step(step);
			Churn.step(step);
			String path = out + (steady ? "/steady-" : "/heapgen-") + step + ".hprof";
			bean.dumpHeap(path, true);
			System.out.println("dumped " + path + " pid " + pid);
			System.out.flush();
			if (in.readLine() == null)
				break;
		}
	}
}
