/* A ThreadLocal leak: a long-lived worker thread (as a pool keeps them)
 * runs one request a step, and each request appends its context to a
 * ThreadLocal list that nothing ever clears. */
import java.util.ArrayList;

final class ThreadLocals {
	static final int CONTEXTS_PER_STEP = 60;
	static final ThreadLocal<ArrayList<Context>> CONTEXTS = new ThreadLocal<ArrayList<Context>>();
	static final Object lock = new Object();
	static int requested, served;
	static Thread worker;

	static final class Context {
		final char[] trace;
		final int request;

		Context(int request) {
			this.trace = new char[20];
			this.request = request;
		}
	}

	static final class Worker implements Runnable {
		public void run() {
			try {
				for (;;) {
					int r;
					synchronized (lock) {
						while (served == requested)
							lock.wait();
						r = served;
					}
					serve(r);
					synchronized (lock) {
						served++;
						lock.notifyAll();
					}
				}
			} catch (InterruptedException e) {
				/* the JVM exits */
			}
		}
	}

	static void serve(int request) {
		ArrayList<Context> list = CONTEXTS.get();
		if (list == null) {
			list = new ArrayList<Context>();
			CONTEXTS.set(list);
		}
		for (int i = 0; i < CONTEXTS_PER_STEP; i++)
			list.add(new Context(request));
	}

	static void step(int step) throws InterruptedException {
		if (worker == null) {
			worker = new Thread(new Worker(), "request-worker");
			worker.setDaemon(true);
			worker.start();
		}
		synchronized (lock) {
			requested++;
			lock.notifyAll();
			while (served < requested)
				lock.wait();
		}
	}
}
