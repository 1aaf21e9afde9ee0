System.Console.WriteLine("xensim");
