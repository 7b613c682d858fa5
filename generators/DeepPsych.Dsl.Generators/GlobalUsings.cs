// The namespaces every stage uses, once (the pipeline's folders: Parsing/ → Shapes/ → Planning/ → Emit/, with
// Layers/ and Graph/ beside them).
global using System;
global using System.Collections.Generic;
global using System.Linq;
global using DeepPsych.Dsl.Generators.Diagnostics;
global using DeepPsych.Dsl.Generators.Emit;
global using DeepPsych.Dsl.Generators.Graph;
global using DeepPsych.Dsl.Generators.Layers;
global using DeepPsych.Dsl.Generators.Model;
global using DeepPsych.Dsl.Generators.Parsing;
global using DeepPsych.Dsl.Generators.Planning;
global using DeepPsych.Dsl.Generators.Shapes;
