package attendees

// Regions are the AWS regions a roster may name: the commercial, China and
// GovCloud partitions of the AWS SDK for Go v2's endpoint metadata
// (github.com/aws/aws-sdk-go-v2 v1.47.8,
// internal/endpoints/awsrulesfn/partitions.json; TestRegionsMatchSDK
// compares them with that file).
var Regions = []string{
	"af-south-1",
	"ap-east-1", "ap-east-2",
	"ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
	"ap-south-1", "ap-south-2",
	"ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
	"ap-southeast-5", "ap-southeast-6", "ap-southeast-7",
	"ca-central-1", "ca-west-1",
	"eu-central-1", "eu-central-2",
	"eu-north-1",
	"eu-south-1", "eu-south-2",
	"eu-west-1", "eu-west-2", "eu-west-3",
	"il-central-1",
	"me-central-1", "me-south-1", "me-west-1",
	"mx-central-1",
	"sa-east-1", "sa-west-1",
	"us-east-1", "us-east-2", "us-west-1", "us-west-2",
	"cn-north-1", "cn-northwest-1",
	"us-gov-east-1", "us-gov-west-1",
}

// regionPartitions are the partitions Regions is taken from.
var regionPartitions = []string{"aws", "aws-cn", "aws-us-gov"}
