package dev.rotor.observe;

/**
 * What counts as {@code /observe}: the one answer that the door ({@link ObserveGate}), admission
 * (which never limits these paths), counting (they never count toward the quota) and the access
 * log (it never logs them) all ask for, so that the four can never disagree about a path.
 */
public final class ObservePaths {
    /** The root of the observability endpoints (Helidon's observe feature serves under it). */
    public static final String ROOT = "/observe";
    private static final String UNDER = ROOT + "/";

    private ObservePaths() {
    }

    /**
     * @param path a request path as routing sees it (decoded, without the query)
     * @return whether it is {@code /observe} or under it
     */
    public static boolean contains(String path) {
        return path.startsWith(ROOT) && (path.length() == ROOT.length() || path.startsWith(UNDER));
    }
}
