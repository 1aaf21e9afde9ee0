namespace XenHa; internal static class Placeholder {}
