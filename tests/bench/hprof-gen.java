/*
 * The heap of tests/bench/hprof.sh: N nodes of a binary tree, each with an
 * Object[4] of slots holding its own byte[64] and a node picked at random
 * (shared references, so the dominator tree is not the tree), 3N objects
 * besides the JDK's; then its own live heap dumped to PATH
 * (HotSpotDiagnosticMXBean.dumpHeap).  N = 5 000 000 is about 15 million
 * objects and 1 GB of HPROF.
 *
 *   java -Xmx2g tests/bench/hprof-gen.java PATH N
 */
import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.util.Random;

final class BenchHeap {
	static final class Node {
		Node left, right;
		Object[] slots;
		int v;
		long w;
	}

	static Node root;

	public static void main(String[] args) throws Exception {
		int n = Integer.parseInt(args[1]);
		Random r = new Random(42);
		Node[] all = new Node[n];

		for (int i = 0; i < n; i++) {
			Node x = new Node();
			x.v = i;
			x.w = r.nextLong();
			x.slots = new Object[4];
			x.slots[0] = new byte[64];
			all[i] = x;
		}
		for (int i = 0; i < n; i++) {
			if (2 * i + 1 < n)
				all[i].left = all[2 * i + 1];
			if (2 * i + 2 < n)
				all[i].right = all[2 * i + 2];
			all[i].slots[1] = all[r.nextInt(n)];
		}
		root = all[0];
		all = null;
		ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class).dumpHeap(args[0], true);
		System.out.println("dumped " + args[0]);
	}
}
