namespace XenHa.Client; internal static class Placeholder {}
