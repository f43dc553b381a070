// Checks a GraphQL introspection answer with graphql-js, as GraphiQL and
// other clients use it. `node introspect.js query` prints graphql-js's own
// introspection query; `node introspect.js check < answer.json` builds a
// client schema from the answer, asserts it is valid, and prints its SDL.
// Needs the graphql package: npm install --prefix api/graphql/testdata graphql@16
const path = require('path');
const g = require(path.join(__dirname, 'node_modules', 'graphql'));

const mode = process.argv[2];
if (mode === 'query') {
  process.stdout.write(g.getIntrospectionQuery({
    descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true,
    schemaDescription: true, inputValueDeprecation: true, oneOf: true,
  }));
} else if (mode === 'check') {
  let input = '';
  process.stdin.on('data', (c) => { input += c; });
  process.stdin.on('end', () => {
    const res = JSON.parse(input);
    if (res.errors) {
      console.error('introspection errors: ' + JSON.stringify(res.errors));
      process.exit(2);
    }
    const schema = g.buildClientSchema(res.data);
    g.assertValidSchema(schema);
    process.stdout.write(g.printSchema(schema));
  });
} else {
  console.error('usage: node introspect.js query|check');
  process.exit(2);
}
